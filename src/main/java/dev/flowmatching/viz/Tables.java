package dev.flowmatching.viz;

import java.io.StringWriter;

import dev.flowmatching.notebook.MimeBundle;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.Destination;
import tech.tablesaw.io.html.HtmlWriteOptions;
import tech.tablesaw.io.html.HtmlWriter;

/** Tablesaw tables as notebook outputs: HTML for the notebook, text for everything else. */
public final class Tables {
    private Tables() {
    }

    public static MimeBundle toMimeBundle(Table table) {
        return MimeBundle.text(table.printAll()).withHtml(html(table));
    }

    /** The table as an HTML {@code <table>}, written by Tablesaw. */
    public static String html(Table table) {
        StringWriter out = new StringWriter();
        new HtmlWriter().write(table, HtmlWriteOptions.builder(new Destination(out)).build());
        return out.toString();
    }
}
