package dev.flowmatching.notebook;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A sink that keeps every output, for tests. Registered as a field
 * ({@code @RegisterExtension final RecordingSink recorder = new RecordingSink();}) it is the display's sink during
 * each test and the previous sink is put back afterwards.
 */
public final class RecordingSink implements DisplaySink, BeforeEachCallback, AfterEachCallback {
    /** One call: "display" or "update", its id, its bundle. */
    public record Call(String kind, String id, MimeBundle bundle) {
    }

    public final List<Call> calls = new ArrayList<>();
    private DisplaySink previous;

    @Override
    public void beforeEach(ExtensionContext context) {
        calls.clear();
        previous = Display.use(this);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Display.use(previous);
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        calls.add(new Call("display", displayId, bundle));
    }

    @Override
    public void update(String displayId, MimeBundle bundle) {
        calls.add(new Call("update", displayId, bundle));
    }

    @Override
    public String describe() {
        return "recorder";
    }
}
