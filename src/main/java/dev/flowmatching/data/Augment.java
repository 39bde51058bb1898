package dev.flowmatching.data;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * Batch-level augmentation of image batches (n, C, H, W). A random horizontal flip doubles the pictures a
 * flower model sees without changing what a flower looks like (a flower mirrored is still that flower; a digit
 * is not, so MNIST is never flipped).
 *
 * <pre>{@code
 * NDArray x1 = flowers.images(step, indices);
 * x1 = Augment.flipHorizontal(x1, rng);   // each image mirrored left-right with probability 1/2
 * }</pre>
 */
public final class Augment {
    private Augment() {
    }

    /** Which of {@code n} images to flip: an independent fair coin each, from one Java draw of {@code rng}. */
    public static boolean[] coinFlips(int n, Rng rng) {
        SplittableRandom random = rng.java();
        boolean[] which = new boolean[n];
        for (int i = 0; i < n; i++) {
            which[i] = random.nextBoolean();
        }
        return which;
    }

    /** {@code images} with each one mirrored along the width with probability 1/2 ({@link #coinFlips}). */
    public static NDArray flipHorizontal(NDArray images, Rng rng) {
        return flipHorizontal(images, coinFlips(Math.toIntExact(images.getShape().get(0)), rng));
    }

    /**
     * {@code images} (n, C, H, W) with image i mirrored along the width (the last axis) where {@code which[i]}.
     * A new array in the images' manager; intermediates are freed.
     */
    public static NDArray flipHorizontal(NDArray images, boolean[] which) {
        Shape shape = images.getShape();
        if (shape.dimension() != 4 || shape.get(0) != which.length) {
            throw new IllegalArgumentException("expected images of shape (n, C, H, W) with n = " + which.length
                    + " flags, got " + shape);
        }
        NDManager owner = images.getManager();
        try (NDManager scope = owner.newSubManager()) {
            NDArray flipped = images.flip(3);
            flipped.attach(scope);
            // where() does not broadcast on the PyTorch engine: expand the per-image flags to the batch's shape.
            NDArray mask = scope.create(which, new Shape(which.length, 1, 1, 1)).broadcast(shape);
            NDArray out = NDArrays.where(mask, flipped, images);
            out.attach(owner);
            return out;
        }
    }
}
