package org.lactspark.model.safetensors;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The element types this library reads, under the names the safetensors header uses. Other types
 * of the format (unsigned wide integers, 8-bit and smaller floats, complex numbers) are recognised
 * only to say clearly that they are not supported.
 */
public enum StDType {
  F64(8, true),
  F32(4, true),
  F16(2, true),
  BF16(2, true),
  I64(8, false),
  I32(4, false),
  I16(2, false),
  I8(1, false),
  U8(1, false),
  BOOL(1, false);

  /** Names the format defines but this library does not decode; listed for a clearer error. */
  private static final Set<String> KNOWN_UNSUPPORTED =
      Set.of("U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

  private final int byteSize;
  private final boolean floatingPoint;

  StDType(int byteSize, boolean floatingPoint) {
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether {@code readFloats}/{@code readDoubles} convert this type. */
  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** The name as written in a header's {@code "dtype"}. */
  public String formatName() {
    return name();
  }

  /** The type a header's {@code "dtype"} names; empty if it is not one of this enum's names. */
  public static Optional<StDType> fromFormatName(String name) {
    for (StDType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Why {@code name} cannot be read: a format type left unsupported, or no type at all. */
  static String whyUnsupported(String name) {
    String supported = Arrays.stream(values()).map(StDType::name).collect(Collectors.joining(", "));
    if (KNOWN_UNSUPPORTED.contains(name)) {
      return "dtype '" + name + "' is a safetensors type this reader does not support (supported: "
          + supported + ")";
    }
    return "unknown dtype '" + name + "' (supported: " + supported + ")";
  }
}
