package org.lactspark.model.safetensors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated header.
 *
 * @param tensors the entries ordered by their place in the byte buffer
 * @param metadata the {@code __metadata__} strings in file order, empty if absent
 * @param dataStart the file position of the byte buffer, {@code 8 + N}
 */
record Header(List<TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
  Header {
    tensors = List.copyOf(tensors);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }
}
