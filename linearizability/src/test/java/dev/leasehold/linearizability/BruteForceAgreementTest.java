package dev.leasehold.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The checker agrees with the naive definition on thousands of small random histories (fixed seeds). */
class BruteForceAgreementTest {

    private static final int HISTORIES = 1500;

    private static <S, I, O> void agreeOn(Model<S, I, O> model, Function<Random, List<Operation<I, O>>> histories,
                                          long seed) {
        Random random = new Random(seed);
        int linearizable = 0;
        for (int i = 0; i < HISTORIES; i++) {
            List<Operation<I, O>> history = histories.apply(random);
            boolean expected = BruteForce.linearizable(model, history);
            CheckResult<I, O> result = Histories.check(model, history);
            assertThat(result.verdict())
                    .as("history %d of seed %d: %s", i, seed, history)
                    .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
            linearizable += expected ? 1 : 0;
        }
        System.out.printf("%s: %d of %d random histories linearizable, all agree with the definition%n",
                model.getClass().getSimpleName(), linearizable, HISTORIES);
        // Both answers must be common, or the agreement says little.
        assertThat(linearizable).isBetween(HISTORIES / 10, HISTORIES * 9 / 10);
    }

    @Test
    void registerHistoriesGetTheAnswerOfTheDefinition() {
        agreeOn(new RegisterModel<>(0), r -> RandomHistories.registerHistory(r, 3, 2 + r.nextInt(2), 0.08), 1);
    }

    @Test
    void keyValueHistoriesSplitByKeyGetTheAnswerOfTheWholeHistory() {
        agreeOn(new KvModel(), r -> RandomHistories.kvHistory(r, 3, 2 + r.nextInt(2), 0.25), 2);
    }

    @Test
    void lockHistoriesGetTheAnswerOfTheDefinition() {
        agreeOn(new LockModel(), r -> RandomHistories.lockHistory(r, 3, 2 + r.nextInt(2), 0.08), 3);
    }
}
