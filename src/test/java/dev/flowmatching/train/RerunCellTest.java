package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.runtime.Rng;

/**
 * A notebook cell run again assigns a new model or trainer to the same variable and drops the old one without
 * closing it. Its native memory (weights, the optimizer's moments, the average) must go, as a dropped PyTorch
 * model's does, while whatever is still referenced stays usable.
 */
class RerunCellTest {
    /** A notebook's variables: fields, as JShell keeps them, so they stay reachable until assigned again. */
    static final class Session {
        VelocityModel model;
        FlowMatchingTrainer trainer;

        /** The model cell, the trainer cell and a short training cell, run once. */
        static Session trained(Rng rng) {
            Session s = new Session();
            s.model = CheckpointTest.model(1);
            s.trainer = CheckpointTest.trainer(s.model);
            s.trainer.train(2, rng);
            return s;
        }
    }

    @Test
    void runningTheTrainerCellAgainFreesTheLastTrainersStateAndKeepsTheModel() {
        Rng rng = new Rng(5);
        Session s = Session.trained(rng);
        List<NDArray> lastRun = new ArrayList<>(s.trainer.optimizer().means().values());
        lastRun.addAll(s.trainer.optimizer().variances().values());
        lastRun.addAll(s.trainer.ema().shadow().values());

        s.trainer = CheckpointTest.trainer(s.model); // the trainer cell, run again
        s.trainer.train(2, rng); // the training cell: frees the dropped trainer's arrays first

        assertTrue(lastRun.stream().allMatch(NDArray::isReleased), "the dropped trainer's moments and average");
        assertTrue(s.model.manager().isOpen());
        assertTrue(s.trainer.ema().shadow().values().stream().noneMatch(NDArray::isReleased));
        s.model.close();
    }

    @Test
    void runningTheModelAndTrainerCellsAgainFreesTheLastModel() {
        Rng rng = new Rng(6);
        Session s = Session.trained(rng);
        NDManager lastModel = s.model.manager();

        s.model = CheckpointTest.model(2); // the model cell again
        s.trainer.train(1, rng); // the old trainer still refers to the old model, which must work on
        assertTrue(lastModel.isOpen(), "still referenced by the trainer");
        s.trainer = CheckpointTest.trainer(s.model); // the trainer cell again
        s.trainer.train(2, rng);

        assertFalse(lastModel.isOpen(), "the dropped model's weights, moments and average");
        assertTrue(s.model.manager().isOpen());
        s.model.close();
    }
}
