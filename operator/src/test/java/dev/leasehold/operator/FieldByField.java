package dev.leasehold.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Iterator;
import java.util.Map;

/**
 * Compares a live object with what a builder describes, field by field: every field the builder set must be on the
 * server with the same value (the API server adds defaults, which are not compared). A failure names the path.
 */
public final class FieldByField {

    private FieldByField() {
    }

    public static void assertHasEveryField(Object live, Object described, String what) {
        compare(Serialization.jsonMapper().valueToTree(live), Serialization.jsonMapper().valueToTree(described),
                what);
    }

    private static void compare(JsonNode live, JsonNode described, String path) {
        if (described == null || described.isNull()) {
            return;
        }
        assertThat(live).as("%s is missing on the server", path).isNotNull();
        if (described.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = described.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                compare(live.get(field.getKey()), field.getValue(), path + "." + field.getKey());
            }
        } else if (described.isArray()) {
            assertThat(live.size()).as("%s has %d elements on the server, %d described", path, live.size(),
                    described.size()).isEqualTo(described.size());
            for (int i = 0; i < described.size(); i++) {
                compare(live.get(i), described.get(i), path + "[" + i + "]");
            }
        } else {
            assertThat(live.asText()).as("%s", path).isEqualTo(described.asText());
        }
    }
}
