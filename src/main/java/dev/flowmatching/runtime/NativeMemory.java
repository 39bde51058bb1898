package dev.flowmatching.runtime;

import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import ai.djl.ndarray.NDManager;

/**
 * Frees the native memory of objects that nothing references any more, as Python's reference counting frees a
 * dropped PyTorch model.
 *
 * <p>DJL's arrays live outside the Java heap and go only when their manager is closed. A notebook cell run again
 * ({@code VelocityModel model = new VelocityModel(...)}) drops the model of the previous run without closing it:
 * measured, each re-run of notebook 04's "base" model cell kept another 285 MB, and a re-run trainer cell keeps
 * the optimizer's two moments and the average, three more copies of the weights (on a GPU, in its memory).
 * So the classes that own a manager (models, optimizer state, averages, classifiers) {@link #track} it, and their
 * constructors call {@link #reclaim()} before they allocate: it closes the managers whose owners have become
 * unreachable. Code that closes what it creates (try-with-resources, as the tests do) never pays for it.
 */
public final class NativeMemory {
    private static final Set<Tracked> TRACKED = ConcurrentHashMap.newKeySet();

    private record Tracked(WeakReference<Object> owner, NDManager manager) {
    }

    private NativeMemory() {
    }

    /**
     * Closes {@code manager} at a later {@link #reclaim()} once {@code owner} is unreachable. The manager (and what it
     * holds) must not refer to the owner, or the owner never becomes unreachable.
     */
    public static void track(Object owner, NDManager manager) {
        TRACKED.add(new Tracked(new WeakReference<>(owner), manager));
    }

    /**
     * Closes the tracked managers whose owners nothing references; returns how many. Costs a full garbage
     * collection (tens to hundreds of milliseconds) when some tracked manager is still open, nothing otherwise.
     */
    public static synchronized int reclaim() {
        TRACKED.removeIf(t -> !t.manager().isOpen()); // closed by their owners: nothing left to free
        if (TRACKED.isEmpty()) {
            return 0;
        }
        System.gc(); // the only way to learn which owners are unreachable
        int closed = 0;
        for (Tracked t : TRACKED) {
            if (t.owner().refersTo(null)) {
                t.manager().close();
                TRACKED.remove(t);
                closed++;
            }
        }
        return closed;
    }

    /** How many tracked managers are still open (their owners reachable, or not yet reclaimed). */
    public static int open() {
        return (int) TRACKED.stream().filter(t -> t.manager().isOpen()).count();
    }
}
