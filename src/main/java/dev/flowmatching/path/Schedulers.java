package dev.flowmatching.path;

import java.util.List;
import java.util.Locale;

/**
 * Schedulers by name, for a notebook's parameters cell: "linear" ({@link LinearScheduler}, sigma_min = 0),
 * "cosine" ({@link CosineScheduler}) and "vp" ({@link VpScheduler}, beta_min = 0.1, beta_max = 20).
 *
 * <pre>{@code
 * AffinePath path = new AffinePath(Schedulers.named(SCHEDULER));   // SCHEDULER = "cosine"
 * }</pre>
 */
public final class Schedulers {
    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of("linear", "cosine", "vp");

    private Schedulers() {
    }

    /** The scheduler called {@code name} (case and surrounding blanks ignored), with its default settings. */
    public static Scheduler named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "linear" -> new LinearScheduler();
            case "cosine" -> new CosineScheduler();
            case "vp" -> new VpScheduler();
            default -> throw new IllegalArgumentException("unknown scheduler '" + name + "'; valid names: "
                    + String.join(", ", NAMES));
        };
    }
}
