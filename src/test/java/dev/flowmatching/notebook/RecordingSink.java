package dev.flowmatching.notebook;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps every output, for tests. */
public final class RecordingSink implements DisplaySink {
    /** One call: "display" or "update", its id, its bundle. */
    public record Call(String kind, String id, MimeBundle bundle) {
    }

    public final List<Call> calls = new ArrayList<>();

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
