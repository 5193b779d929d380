package dev.wharf.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageSpansTest {
    @Test
    void timeWithinADayIsOnePiece() {
        List<UsageSpans.Span> spans = UsageSpans.split(Instant.parse("2026-07-03T10:00:00Z"),
                Instant.parse("2026-07-03T10:01:30.5Z"));
        assertEquals(1, spans.size());
        assertEquals(LocalDate.parse("2026-07-03"), spans.get(0).day());
        assertEquals(LocalDate.parse("2026-07-01"), spans.get(0).period());
    }

    @Test
    void timeAcrossMidnightAndAMonthEndIsCutThereAndLosesNothing() {
        Instant from = Instant.parse("2026-07-31T23:59:00Z");
        Instant to = Instant.parse("2026-08-02T00:00:30Z");
        List<UsageSpans.Span> spans = UsageSpans.split(from, to);
        assertEquals(3, spans.size());
        assertEquals(Instant.parse("2026-08-01T00:00:00Z"), spans.get(0).to());
        assertEquals(LocalDate.parse("2026-07-01"), spans.get(0).period());
        assertEquals(LocalDate.parse("2026-08-01"), spans.get(1).period());
        assertEquals(LocalDate.parse("2026-08-02"), spans.get(2).day());
        BigDecimal total = spans.stream().map(s -> SandboxMeter.seconds(s.from(), s.to()))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, SandboxMeter.seconds(from, to).compareTo(total));
        assertEquals(0, new BigDecimal(60 + 86_400 + 30).compareTo(total));
    }

    @Test
    void noTimeIsNoPiece() {
        Instant at = Instant.parse("2026-07-03T10:00:00Z");
        assertTrue(UsageSpans.split(at, at).isEmpty());
        assertTrue(UsageSpans.split(at, at.minusSeconds(1)).isEmpty());
    }

    @Test
    void secondsKeepMicroseconds() {
        assertEquals(0, new BigDecimal("1.000001").compareTo(SandboxMeter.seconds(
                Instant.parse("2026-07-03T10:00:00Z"), Instant.parse("2026-07-03T10:00:01.000001Z"))));
    }
}
