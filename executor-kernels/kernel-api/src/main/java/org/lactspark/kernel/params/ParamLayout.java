package org.lactspark.kernel.params;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An ordered list of parameters laid end to end in one flat vector. Initialisation is
 * deterministic per parameter: each draws from its own generator seeded by the layout seed and its
 * name, so adding a parameter never changes the others' initial values.
 */
public final class ParamLayout {
  private final List<ParamSpec> specs;
  private final Map<String, Long> offsets = new LinkedHashMap<>();
  private final Map<String, ParamSpec> byName = new LinkedHashMap<>();
  private final long size;

  /**
   * @throws IllegalArgumentException if two parameters share a name
   */
  public ParamLayout(List<ParamSpec> specs) {
    this.specs = List.copyOf(specs);
    long off = 0;
    for (ParamSpec s : this.specs) {
      if (byName.put(s.name(), s) != null) {
        throw new IllegalArgumentException("parameter '" + s.name() + "' is declared twice");
      }
      offsets.put(s.name(), off);
      off += s.size();
    }
    this.size = off;
  }

  /** The parameters in flat-vector order. */
  public List<ParamSpec> specs() {
    return Collections.unmodifiableList(specs);
  }

  /** Total number of values. */
  public long size() {
    return size;
  }

  /**
   * The parameter named {@code name}.
   *
   * @throws IllegalArgumentException naming it if there is none
   */
  public ParamSpec spec(String name) {
    ParamSpec s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no parameter named '" + name + "'");
    }
    return s;
  }

  /** Where {@code name} starts in the flat vector. */
  public long offset(String name) {
    spec(name);
    return offsets.get(name);
  }

  /** The names in order. */
  public List<String> names() {
    return new ArrayList<>(byName.keySet());
  }

  /**
   * Writes every parameter's initial values into {@code flat} (length {@link #size()}).
   *
   * @throws IllegalArgumentException if the length is wrong
   */
  public void initialise(float[] flat, long seed) {
    if (flat.length != size) {
      throw new IllegalArgumentException("flat: length " + flat.length + " but the layout holds " + size);
    }
    for (ParamSpec s : specs) {
      int off = Math.toIntExact(offsets.get(s.name()));
      double[] v = initialValues(s, seed);
      for (int i = 0; i < v.length; i++) {
        flat[off + i] = (float) v[i];
      }
    }
  }

  /**
   * The initial values of one parameter for a layout seed: the same numbers whichever layout
   * holds it, so a DL4J layer that initialises its own slice agrees with the whole model's layout.
   */
  public static double[] initialValues(ParamSpec s, long seed) {
    double[] v = new double[Math.toIntExact(s.size())];
    if (s.init() instanceof ParamInit.Constant c) {
      java.util.Arrays.fill(v, c.value());
    } else if (s.init() instanceof ParamInit.Normal nrm) {
      Random rnd = new Random(seed ^ nameHash(s.name()));
      for (int i = 0; i < v.length; i++) {
        v[i] = nrm.std() * rnd.nextGaussian();
      }
    }
    return v;
  }

  /** A 64-bit FNV-1a hash of the name, stable across JVMs (unlike String.hashCode's spread). */
  private static long nameHash(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
