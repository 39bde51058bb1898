package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/**
 * The score grad_x log p_t(x) at points x (shape (B, ...)) and times t (shape (B)), given the velocity v the
 * sampler has just evaluated there, so that a score derived from the velocity costs no second evaluation.
 *
 * <pre>{@code
 * ScoreField fromVelocity = new VelocityConversions(scheduler)::scoreFromVelocity;  // N(0, I) source
 * ScoreField closedForm = (v, x, t) -> flow.score(x, t);                          // ignores v
 * }</pre>
 */
@FunctionalInterface
public interface ScoreField {
    /** Same shape as x. */
    NDArray at(NDArray v, NDArray x, NDArray t);
}
