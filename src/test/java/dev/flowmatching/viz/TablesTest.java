package dev.flowmatching.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.flowmatching.notebook.MimeBundle;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

class TablesTest {

    @Test
    void doublesShowFourSignificantDigitsAndTheTableIsUnchanged() {
        Table t = Table.create("q", IntColumn.create("NFE", 5, 100),
                DoubleColumn.create("W2", 0.41021885427871724, 1.2e-7));
        MimeBundle b = Tables.toMimeBundle(t);
        String html = (String) b.data().get(MimeBundle.HTML);
        assertTrue(html.contains("<td>0.4102</td>"), html);
        assertTrue(html.contains("<td>1.200e-07</td>"), html);
        assertTrue(html.contains("<td>100</td>"), html);
        assertTrue(html.matches("(?s).*<table[^>]*><caption[^>]*>q</caption>.*"), html);
        assertTrue(b.plainText().contains("0.4102") && !b.plainText().contains("0.41021885"), b.plainText());
        assertEquals(0.41021885427871724, t.doubleColumn("W2").get(0));
    }

    @Test
    void significantDigitsRoundCorrectly() {
        Tables.Significant f = new Tables.Significant();
        assertEquals("1.571", f.format(Math.PI / 2));
        assertEquals("2.118", f.format(2.1183741132850376));
        assertEquals("12350", f.format(12345.6));
        assertEquals("0", f.format(0.0));
        assertEquals("NaN", f.format(Double.NaN));
    }
}
