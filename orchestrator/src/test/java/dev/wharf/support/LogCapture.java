package dev.wharf.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every log line the application writes while installed (message, formatted message, parameters and causes), for
 * tests that prove a secret never reaches the log. The egress proxy's output is logged through the control plane,
 * so its lines are here too.
 */
public final class LogCapture extends Handler {
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public LogCapture install() {
        setLevel(Level.ALL);
        Logger.getLogger("").addHandler(this);
        return this;
    }

    public void uninstall() {
        Logger.getLogger("").removeHandler(this);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
        if (record instanceof org.jboss.logmanager.ExtLogRecord ext) {
            line.append(' ').append(ext.getFormattedMessage());
        }
        if (record.getParameters() != null) {
            for (Object parameter : record.getParameters()) {
                line.append(' ').append(parameter);
            }
        }
        for (Throwable thrown = record.getThrown(); thrown != null; thrown = thrown.getCause()) {
            line.append(' ').append(thrown);
        }
        lines.add(line.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
