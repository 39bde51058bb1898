package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.flowmatching.data.ImageSet;
import dev.flowmatching.data.SyntheticFlowers;
import dev.flowmatching.model.UNetConfig;
import dev.flowmatching.train.StabilityExperiment.Outcome;
import dev.flowmatching.train.StabilityExperiment.Variant;
import tech.tablesaw.api.Table;

/** Each switch changes what it should and nothing else; a blow-up is caught and reported, not thrown. */
class StabilityExperimentTest {
    private static final ImageSet FLOWERS = new SyntheticFlowers(0).generate(24, 16);

    private static StabilityExperiment experiment() {
        return new StabilityExperiment(UNetConfig.flowers("tiny", 16, 5), FLOWERS, 1).steps(3).batchSize(4).heldOut(8)
                .learningRate(1e-3f);
    }

    @Test
    void theSwitchesChangeWhatTheyShouldAndEmaLeavesTrainingAlone() {
        List<Outcome> out = experiment().run(Variant.standard(), v -> info -> { });
        assertEquals(5, out.size());
        for (Outcome o : out) {
            assertEquals(3, o.losses().length, o.variant().name());
            assertFalse(o.diverged(), o.variant().name());
            assertTrue(Double.isFinite(o.heldOutLoss()) && Double.isFinite(o.maxGradNorm()), o.variant().name());
        }
        Outcome plain = out.get(0);
        Outcome ema = out.get(1);
        assertArrayEquals(plain.losses(), ema.losses(), "EMA only changes the weights one samples with");
        assertNotEquals(plain.heldOutLoss(), ema.heldOutLoss(), "... and those are evaluated");
        assertFalse(Arrays.equals(plain.losses(), out.get(2).losses()), "QK-norm changes the network");
        assertFalse(Arrays.equals(plain.losses(), out.get(3).losses()), "logit-normal changes the times drawn");
        Table t = StabilityExperiment.table(out);
        assertEquals(5, t.rowCount());
        assertEquals("no", t.stringColumn("diverged").get(0));
        assertTrue(StabilityExperiment.lossCurves(out).png().length > 0);
    }

    @Test
    void aRunThatBlowsUpIsReportedWithItsStepAndTheCurveBeforeIt() {
        Outcome o = experiment().learningRate(1e30f).steps(6).run(Variant.standard().get(0), info -> { });
        assertTrue(o.diverged(), "a learning rate of 1e30 must overflow");
        assertEquals(o.divergedAt() - 1, o.losses().length, "the steps before the failing one are kept");
        assertTrue(Double.isNaN(o.heldOutLoss()));
        assertTrue(StabilityExperiment.table(List.of(o)).stringColumn("diverged").get(0).startsWith("at step"));
    }
}
