package dev.wharf.metering;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a stretch of sandbox time at every UTC midnight, so each ledger row lies within one day (usage by day is
 * exact) and therefore within one month (budgets are per month). Pure.
 */
final class UsageSpans {
    private UsageSpans() {
    }

    /** A piece of time within one UTC day. */
    record Span(Instant from, Instant to, LocalDate day) {
        LocalDate period() {
            return day.withDayOfMonth(1);
        }
    }

    /** The pieces of [from, to); empty when {@code to} is not after {@code from}. */
    static List<Span> split(Instant from, Instant to) {
        List<Span> spans = new ArrayList<>();
        Instant start = from;
        while (start.isBefore(to)) {
            LocalDate day = LocalDate.ofInstant(start, ZoneOffset.UTC);
            Instant midnight = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant end = midnight.isBefore(to) ? midnight : to;
            spans.add(new Span(start, end, day));
            start = end;
        }
        return spans;
    }

    /** The first day of the UTC month {@code instant} falls in. */
    static LocalDate periodOf(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC).withDayOfMonth(1);
    }
}
