package dev.leasehold.store.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void failsAFutureThatOutlivesTheTimeout() {
        Deadlines deadlines = new Deadlines(Duration.ofMillis(50), scheduler);
        CompletableFuture<String> pending = deadlines.watch(new CompletableFuture<>());

        await().atMost(Duration.ofSeconds(10)).until(pending::isDone);
        assertThat(pending).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void leavesFuturesAloneBeforeTheirDeadline() {
        Deadlines deadlines = new Deadlines(Duration.ofHours(1), scheduler);
        CompletableFuture<String> pending = deadlines.watch(new CompletableFuture<>());

        deadlines.sweep();

        assertThat(pending).isNotDone();
    }

    @Test
    void aCompletedFutureKeepsItsResultAndDoesNotHoldBackLaterDeadlines() {
        Deadlines deadlines = new Deadlines(Duration.ofMillis(50), scheduler);
        CompletableFuture<String> answered = deadlines.watch(new CompletableFuture<>());
        CompletableFuture<String> pending = deadlines.watch(new CompletableFuture<>());
        answered.complete("ok");

        await().atMost(Duration.ofSeconds(10)).until(pending::isDone);
        assertThat(answered).isCompletedWithValue("ok");
        assertThat(pending).isCompletedExceptionally();
    }
}
