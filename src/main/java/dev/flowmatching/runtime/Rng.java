package dev.flowmatching.runtime;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The one seeded random generator of a run. Every draw re-seeds libtorch's generator from (seed, draw
 * number), so a run is reproducible bit for bit on the same device, and its whole state is two numbers that
 * a checkpoint can store. Java-side draws (shuffles) come from {@link #java()} with the same rule.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * NDArray noise = rng.normal(manager, new Shape(256, 2));
 * }</pre>
 *
 * <p>Not thread-safe: one run, one thread. libtorch's generator is process-wide, so two runs drawing at once
 * on different threads would interleave.
 */
public final class Rng {
    private final long seed;
    private long draws;

    public Rng(long seed) {
        this(seed, 0);
    }

    /** Resumes a generator that has already made {@code draws} draws. */
    public Rng(long seed, long draws) {
        this.seed = seed;
        this.draws = draws;
    }

    public long seed() {
        return seed;
    }

    /** How many draws this generator has made: with the seed, its whole state. */
    public long draws() {
        return draws;
    }

    /** Standard normal samples of the given shape, on the manager's device. */
    public NDArray normal(NDManager manager, Shape shape) {
        seedEngine();
        return manager.randomNormal(shape);
    }

    /** Uniform samples in [low, high) of the given shape. */
    public NDArray uniform(NDManager manager, float low, float high, Shape shape) {
        seedEngine();
        return manager.randomUniform(low, high, shape);
    }

    /** A Java generator for host-side draws (shuffling, choices), seeded by the next draw number. */
    public SplittableRandom java() {
        return new SplittableRandom(mix(seed, draws++));
    }

    /** A uniform random permutation of 0..n-1 (Fisher-Yates), drawn from {@code random}. */
    public static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Seeds libtorch for the next native draw; also used before initialising a model's weights. */
    public void seedEngine() {
        Torch.engine().setRandomSeed((int) mix(seed, draws++));
    }

    /** SplitMix64's finaliser over (seed, n): neighbouring draw numbers give unrelated seeds. */
    static long mix(long seed, long n) {
        long z = seed + 0x9E3779B97F4A7C15L * (n + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
