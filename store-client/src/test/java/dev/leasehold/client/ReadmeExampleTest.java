package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example compiles against this client, so the README stays true. */
class ReadmeExampleTest {

    @TempDir
    Path dir;

    @Test
    void theReadmesJavaExampleCompiles() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher example = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(example.find()).as("a ```java block in README.md").isTrue();
        Matcher className = Pattern.compile("public class (\\w+)").matcher(example.group(1));
        assertThat(className.find()).isTrue();
        Path source = dir.resolve(className.group(1) + ".java");
        Files.writeString(source, example.group(1));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        boolean compiled = javac.getTask(errors, null, null,
                List.of("-d", dir.resolve("classes").toString(), "-cp", System.getProperty("java.class.path")),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(source)).call();

        assertThat(compiled).as(errors.toString()).isTrue();
    }
}
