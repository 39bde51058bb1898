package dev.flowmatching.coupling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

import dev.flowmatching.path.LogitNormalTime;
import dev.flowmatching.path.TimeSampler;
import dev.flowmatching.path.UniformTime;

class NamedCouplingTest {

    @Test
    void namesGiveTheirCouplingsAndTimeSamplers() {
        assertInstanceOf(ExactOtCoupling.class, Coupling.named(" OT "));
        assertInstanceOf(IndependentCoupling.class, Coupling.named("independent"));
        assertInstanceOf(SinkhornCoupling.class, Coupling.named("sinkhorn"));
        assertInstanceOf(SortCoupling.class, Coupling.named("sort"));
        assertInstanceOf(UniformTime.class, TimeSampler.named("uniform"));
        assertInstanceOf(LogitNormalTime.class, TimeSampler.named("Logit-Normal"));
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coupling.named("greedy"));
        assertTrue(e.getMessage().contains("'greedy'") && e.getMessage().contains("independent, ot, sinkhorn, sort"));
        e = assertThrows(IllegalArgumentException.class, () -> TimeSampler.named("beta"));
        assertEquals("unknown time sampler 'beta'; valid: uniform, logit-normal", e.getMessage());
    }
}
