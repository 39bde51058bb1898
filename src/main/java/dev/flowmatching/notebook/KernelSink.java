package dev.flowmatching.notebook;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Talks to the Java kernel that runs this JVM, by reflection, so the library needs no compile-time
 * dependency on a kernel and works on JJava and IJava 1.3 alike.
 *
 * <p>Both kernels run cell code in their own JVM, expose the running kernel through a static accessor, and
 * have a {@code DisplayData} filled by {@code putData(mime, value)}, shown by {@code display(DisplayData)}
 * and replaced by {@code getIO().display.updateDisplay(id, DisplayData)}.
 */
public final class KernelSink implements DisplaySink {
    /** Static accessors of the running kernel, newest kernel first: class name, method name. */
    private static final List<String[]> ACCESSORS = List.of(
            new String[] {"org.dflib.jjava.jupyter.kernel.BaseKernel", "notebookKernel"},
            new String[] {"org.dflib.jjava.kernel.JavaNotebookStatics", "kernel"},
            new String[] {"io.github.spencerpark.ijava.IJava", "getKernelInstance"});

    private final Object kernel;
    private final Class<?> displayDataClass;

    private KernelSink(Object kernel, Class<?> displayDataClass) {
        this.kernel = kernel;
        this.displayDataClass = displayDataClass;
    }

    /** The running kernel, or empty when this JVM is not a kernel (a test, a plain {@code main}). */
    public static Optional<KernelSink> find() {
        for (String[] accessor : ACCESSORS) {
            Object kernel = invokeStatic(accessor[0], accessor[1]);
            if (kernel != null) {
                Class<?> dd = displayDataClassOf(kernel);
                if (dd != null) {
                    return Optional.of(new KernelSink(kernel, dd));
                }
            }
        }
        return Optional.empty();
    }

    private static Object invokeStatic(String className, String method) {
        for (ClassLoader loader : loaders()) {
            try {
                Class<?> c = Class.forName(className, true, loader);
                return c.getMethod(method).invoke(null);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // not this kernel, or not from this loader: try the next
            }
        }
        return null;
    }

    private static List<ClassLoader> loaders() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = KernelSink.class.getClassLoader();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        return context == null ? List.of(own, system) : List.of(context, own, system);
    }

    /** DisplayData lives in package {@code <kernel base package>.display} in both kernels. */
    private static Class<?> displayDataClassOf(Object kernel) {
        for (Class<?> c = kernel.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getSimpleName().equals("BaseKernel")) {
                try {
                    return Class.forName(c.getPackageName() + ".display.DisplayData", true, c.getClassLoader());
                } catch (ClassNotFoundException e) {
                    return null;
                }
            }
        }
        return null;
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        Object dd = toDisplayData(bundle, displayId);
        call(kernel, "display", new Class<?>[] {displayDataClass}, dd);
    }

    @Override
    public void update(String displayId, MimeBundle bundle) {
        Object dd = toDisplayData(bundle, displayId);
        Object stream = displayStream();
        call(stream, "updateDisplay", new Class<?>[] {String.class, displayDataClass}, displayId, dd);
    }

    @Override
    public String describe() {
        String name = (String) callOptional(kernel, "getName");
        String version = (String) callOptional(kernel, "getVersion");
        if (name == null) {
            name = kernel.getClass().getName().startsWith("io.github.spencerpark") ? "IJava" : kernel.getClass().getSimpleName();
        }
        if (version == null) {
            version = kernel.getClass().getPackage().getImplementationVersion();
        }
        return version == null ? name : name + " " + version;
    }

    private Object toDisplayData(MimeBundle bundle, String displayId) {
        try {
            Object dd = displayDataClass.getConstructor().newInstance();
            Method put = displayDataClass.getMethod("putData", String.class, Object.class);
            for (Map.Entry<String, Object> e : bundle.data().entrySet()) {
                put.invoke(dd, e.getKey(), e.getValue());
            }
            emptyMetadata(dd);
            if (displayId != null) {
                displayDataClass.getMethod("setDisplayId", String.class).invoke(dd, displayId);
            }
            return dd;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("This kernel's DisplayData is not the one this library knows: " + e, e);
        }
    }

    /** JupyterLab drops an output whose metadata is missing or null, so always send {}. */
    private void emptyMetadata(Object dd) {
        try {
            Field f = displayDataClass.getDeclaredField("metadata");
            f.setAccessible(true);
            if (f.get(dd) == null) {
                f.set(dd, new LinkedHashMap<String, Object>());
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a kernel that always fills metadata itself
        }
    }

    private Object displayStream() {
        try {
            Object io = publicMethod(kernel.getClass(), "getIO").invoke(kernel);
            return io.getClass().getField("display").get(io);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("This kernel has no display stream to update outputs in place: " + e, e);
        }
    }

    private static Object call(Object target, String name, Class<?>[] types, Object... args) {
        try {
            return publicMethod(target.getClass(), name, types).invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException("The kernel failed to " + name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("This kernel has no " + name + " method the library can use: " + e, e);
        }
    }

    /**
     * The method as declared by the nearest public class up the hierarchy: a kernel's concrete class may be
     * non-public (or anonymous), and reflection may only call through a public declaring class.
     */
    static Method publicMethod(Class<?> type, String name, Class<?>... types) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (java.lang.reflect.Modifier.isPublic(c.getModifiers())) {
                try {
                    return c.getMethod(name, types);
                } catch (NoSuchMethodException e) {
                    break;
                }
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name);
    }

    private static Object callOptional(Object target, String name) {
        try {
            return publicMethod(target.getClass(), name).invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
