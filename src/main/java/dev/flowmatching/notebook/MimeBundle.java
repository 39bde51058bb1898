package dev.flowmatching.notebook;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One rich output: the same content in several MIME types, richest first. Frontends pick the richest type
 * they can render, so every bundle also carries {@code text/plain}.
 *
 * <p>Values follow Jupyter's message format: text types are strings, binary types (PNG) are base64 strings,
 * JSON types are {@link Map}/{@link java.util.List}/{@link String}/{@link Number} trees.
 *
 * <pre>{@code
 * MimeBundle b = MimeBundle.text("3 rows").withPng(pngBytes);
 * }</pre>
 */
public final class MimeBundle {
    public static final String TEXT = "text/plain";
    public static final String HTML = "text/html";
    public static final String PNG = "image/png";
    public static final String GIF = "image/gif";
    public static final String MARKDOWN = "text/markdown";
    public static final String PLOTLY = "application/vnd.plotly.v1+json";

    private final Map<String, Object> data;

    private MimeBundle(Map<String, Object> data) {
        this.data = data;
    }

    /** A bundle with only a plain-text form. */
    public static MimeBundle text(String text) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(TEXT, Objects.requireNonNull(text, "text"));
        return new MimeBundle(d);
    }

    /** A copy of this bundle with {@code mime} set to {@code value}. */
    public MimeBundle with(String mime, Object value) {
        Objects.requireNonNull(mime, "mime");
        Objects.requireNonNull(value, () -> "value for " + mime);
        Map<String, Object> d = new LinkedHashMap<>(data);
        d.put(mime, value);
        return new MimeBundle(d);
    }

    public MimeBundle withHtml(String html) {
        return with(HTML, html);
    }

    public MimeBundle withPng(byte[] png) {
        return with(PNG, Base64.getEncoder().encodeToString(png));
    }

    public MimeBundle withGif(byte[] gif) {
        return with(GIF, Base64.getEncoder().encodeToString(gif));
    }

    /** The MIME type to value map, in insertion order; read-only. */
    public Map<String, Object> data() {
        return Collections.unmodifiableMap(data);
    }

    public boolean has(String mime) {
        return data.containsKey(mime);
    }

    public String plainText() {
        return (String) data.get(TEXT);
    }

    /** The decoded bytes of a base64 binary type such as {@link #PNG}, or null if absent. */
    public byte[] bytes(String mime) {
        Object v = data.get(mime);
        return v == null ? null : Base64.getDecoder().decode((String) v);
    }

    @Override
    public String toString() {
        return plainText();
    }
}
