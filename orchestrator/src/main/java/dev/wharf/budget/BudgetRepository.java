package dev.wharf.budget;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** SQL for budgets and the thresholds that fired, and the reads of interactions that enforcement needs. */
@ApplicationScoped
public class BudgetRepository {
    private final Pool pool;

    public BudgetRepository(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(Function<SqlClient, Uni<T>> work) {
        return pool.withTransaction(work::apply);
    }

    public Uni<Optional<Budget>> find(String tenantId) {
        return pool.preparedQuery("SELECT tenant_id, sandbox_minutes, tokens, cost, thresholds, stop_running"
                        + " FROM budget WHERE tenant_id = $1")
                .execute(Tuple.of(tenantId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(budget(rows.iterator().next())));
    }

    /** Removes the tenant's budget; its fired alerts stay with the ledger until retention purges them. */
    public Uni<Void> delete(String tenantId) {
        return pool.preparedQuery("DELETE FROM budget WHERE tenant_id = $1").execute(Tuple.of(tenantId))
                .replaceWithVoid();
    }

    /** Replaces the tenant's budget. */
    public Uni<Void> save(Budget b) {
        return pool.preparedQuery("INSERT INTO budget (tenant_id, sandbox_minutes, tokens, cost, thresholds,"
                        + " stop_running, updated_at) VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())"
                        + " ON CONFLICT (tenant_id) DO UPDATE SET sandbox_minutes = excluded.sandbox_minutes,"
                        + " tokens = excluded.tokens, cost = excluded.cost, thresholds = excluded.thresholds,"
                        + " stop_running = excluded.stop_running, updated_at = excluded.updated_at")
                .execute(Tuple.from(new Object[] {b.tenantId(), b.sandboxMinutes(), b.tokens(), b.cost(),
                        b.thresholds().toArray(new Integer[0]), b.stopRunning()}))
                .replaceWithVoid();
    }

    /** A threshold that fired in a period. */
    public record Alert(BudgetKind kind, int threshold, BigDecimal consumed, BigDecimal limit, Instant firedAt) {
    }

    public Uni<List<Alert>> alerts(String tenantId, LocalDate period) {
        return pool.preparedQuery("SELECT budget, threshold, consumed, limit_value, fired_at FROM budget_alert"
                        + " WHERE tenant_id = $1 AND period = $2 ORDER BY fired_at, budget, threshold")
                .execute(Tuple.of(tenantId, period))
                .map(rows -> {
                    List<Alert> alerts = new ArrayList<>();
                    rows.forEach(row -> alerts.add(new Alert(BudgetKind.fromWire(row.getString(0)), row.getInteger(1),
                            row.getBigDecimal(2), row.getBigDecimal(3), row.getOffsetDateTime(4).toInstant())));
                    return alerts;
                });
    }

    /** Records that a threshold fired; false when it had already fired this period (another evaluation won). */
    public Uni<Boolean> fire(SqlClient tx, String tenantId, LocalDate period, BudgetCheck.Crossing crossing) {
        return tx.preparedQuery("INSERT INTO budget_alert (tenant_id, period, budget, threshold, consumed, limit_value,"
                        + " fired_at) VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())"
                        + " ON CONFLICT (tenant_id, period, budget, threshold) DO NOTHING")
                .execute(Tuple.from(new Object[] {tenantId, period, crossing.kind().wire(), crossing.threshold(),
                        crossing.consumed(), crossing.limit()}))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The tenant's interactions that are running now. */
    public Uni<List<String>> runningInteractions(String tenantId) {
        return pool.preparedQuery("SELECT id FROM interaction WHERE tenant_id = $1 AND status = 'in_progress'"
                        + " ORDER BY created_at")
                .execute(Tuple.of(tenantId))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString(0)));
                    return ids;
                });
    }

    private static Budget budget(Row row) {
        Integer[] thresholds = row.getArrayOfIntegers("thresholds");
        return new Budget(row.getString("tenant_id"), row.getBigDecimal("sandbox_minutes"), row.getLong("tokens"),
                row.getBigDecimal("cost"), thresholds == null ? Budget.DEFAULT_THRESHOLDS : Arrays.asList(thresholds),
                row.getBoolean("stop_running"));
    }
}
