package dev.flowmatching.viz;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.MathContext;

import dev.flowmatching.notebook.MimeBundle;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;
import tech.tablesaw.io.Destination;
import tech.tablesaw.io.html.HtmlWriteOptions;
import tech.tablesaw.io.html.HtmlWriter;

/**
 * Tablesaw tables as notebook outputs: HTML for the notebook, text for everything else. Floating-point
 * columns are shown with {@value #DIGITS} significant digits (the table itself is not changed).
 */
public final class Tables {
    static final int DIGITS = 4;

    private Tables() {
    }

    public static MimeBundle toMimeBundle(Table table) {
        Table shown = readable(table);
        return MimeBundle.text(shown.printAll()).withHtml(html(shown));
    }

    /** The table as an HTML {@code <table>}, written by Tablesaw, with the table's name as its caption. */
    public static String html(Table table) {
        StringWriter out = new StringWriter();
        new HtmlWriter().write(table, HtmlWriteOptions.builder(new Destination(out)).build());
        String html = out.toString();
        String name = table.name();
        int open = html.indexOf("<table");
        int close = open < 0 ? -1 : html.indexOf('>', open);
        if (name == null || name.isBlank() || close < 0) {
            return html;
        }
        String caption = "<caption style=\"caption-side:top;text-align:left;font-weight:bold\">"
                + name.replace("&", "&amp;").replace("<", "&lt;") + "</caption>";
        return html.substring(0, close + 1) + caption + html.substring(close + 1);
    }

    /** A copy whose float and double columns print {@value #DIGITS} significant digits. */
    static Table readable(Table table) {
        Table copy = table.copy();
        for (Column<?> c : copy.columns()) {
            if (c instanceof NumericColumn<?> n && (c.type().name().equals("DOUBLE") || c.type().name().equals("FLOAT"))) {
                n.setPrintFormatter(new Significant());
            }
        }
        return copy;
    }

    /** Formats a number to a few significant digits, plainly where that is short, else in scientific form. */
    static final class Significant extends NumberColumnFormatter {
        @Override
        public String format(double v) {
            if (!Double.isFinite(v)) {
                return Double.toString(v);
            }
            if (v == 0) {
                return "0";
            }
            BigDecimal d = new BigDecimal(v).round(new MathContext(DIGITS));
            double abs = Math.abs(v);
            return abs >= 1e-4 && abs < 1e7 ? d.stripTrailingZeros().toPlainString() : String.format("%." + (DIGITS - 1) + "e", v);
        }

        @Override
        public String format(float v) {
            return format((double) v);
        }
    }
}
