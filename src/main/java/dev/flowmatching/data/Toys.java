package dev.flowmatching.data;

import java.util.List;
import java.util.Locale;

/**
 * The 2D distributions by name, with their default settings, for a notebook's parameters cell:
 * <ul>
 *   <li>"gaussian": N(0, I), the usual source;</li>
 *   <li>"8gaussians" (or "gaussians"): {@link EightGaussians}, radius 5;</li>
 *   <li>"moons": {@link TwoMoons}; "checkerboard": {@link Checkerboard}; "circles": {@link ConcentricCircles}.</li>
 * </ul>
 *
 * <pre>{@code
 * Distribution target = Toys.named(TARGET);   // TARGET = "moons"
 * }</pre>
 */
public final class Toys {
    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of("gaussian", "8gaussians", "gaussians", "moons", "checkerboard",
            "circles");

    private Toys() {
    }

    /** The distribution called {@code name} (case and surrounding blanks ignored). */
    public static Distribution named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "gaussian" -> Gaussian.isotropic(new double[] {0, 0}, 1);
            case "8gaussians", "gaussians" -> new EightGaussians();
            case "moons" -> new TwoMoons();
            case "checkerboard" -> new Checkerboard();
            case "circles" -> new ConcentricCircles();
            default -> throw new IllegalArgumentException("unknown 2D distribution '" + name + "'; valid names: "
                    + String.join(", ", NAMES));
        };
    }
}
