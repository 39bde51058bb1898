package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;

/**
 * One batch drawn on a probability path: the points {@code xt}, the conditional velocity {@code velocity}
 * the model is trained to predict at them, and the times {@code t} (shape (B)).
 */
public record PathSample(NDArray xt, NDArray velocity, NDArray t) {
}
