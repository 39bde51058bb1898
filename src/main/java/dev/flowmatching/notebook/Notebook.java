package dev.flowmatching.notebook;

import dev.flowmatching.runtime.EnvironmentReport;

/** Short calls for the notebooks' first cells: the environment table and loud warnings. */
public final class Notebook {
    private Notebook() {
    }

    /** Shows the environment table, and a loud warning for each problem found (e.g. an unused GPU). */
    public static void environment() {
        EnvironmentReport report = EnvironmentReport.collect(Display.sink().describe());
        Display.show(report.table());
        report.warnings().forEach(Notebook::warn);
    }

    /** Shows a warning that stands out: a red box in the notebook, a WARNING line in text. */
    public static void warn(String message) {
        String html = "<div style=\"border:2px solid #c62828;background:#ffebee;color:#b71c1c;padding:8px 12px;"
                + "font-weight:bold\">&#9888; " + escape(message) + "</div>";
        Display.show(MimeBundle.text("WARNING: " + message).withHtml(html));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
