package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MimeTypesTest {

    @ParameterizedTest
    @CsvSource({
            "out/data.csv, text/csv",
            "REPORT.CSV, text/csv",
            "result.json, application/json",
            "notes.txt, text/plain",
            "README.md, text/markdown",
            "analysis.py, text/x-python",
            "run.sh, text/x-shellscript",
            "index.html, text/html",
            "chart.png, image/png",
            "photo.jpg, image/jpeg",
            "photo.jpeg, image/jpeg",
            "anim.gif, image/gif",
            "diagram.svg, image/svg+xml",
            "paper.pdf, application/pdf",
            "bundle.zip, application/zip",
            "bundle.tar, application/x-tar",
            "bundle.tar.gz, application/gzip",
            "table.parquet, application/vnd.apache.parquet",
            "sheet.xlsx, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "blob.wharf-unknown-extension, application/octet-stream",
    })
    void knownExtensionsFirstThenTheProbeThenOctetStream(String name, String expected) {
        assertEquals(expected, MimeTypes.of(Path.of(name)));
    }
}
