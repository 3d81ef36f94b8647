package org.lactspark.kernel.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code liblactcuda.so} linked into this JVM and started on one CUDA device, or the reason why
 * not. The process-wide instance ({@link #get()}) is made once, on first use, from two system
 * properties:
 *
 * <ul>
 *   <li>{@value #LIBRARY_PROPERTY}: the path of a {@code liblactcuda.so} to load instead of the one
 *       inside the kernel-cuda jar (a library under development, or one a profiler should see on
 *       disk);
 *   <li>{@value #DEVICE_PROPERTY}: the CUDA device ordinal (default 0).
 * </ul>
 *
 * <p>Without {@value #LIBRARY_PROPERTY} the jar's resource {@value #RESOURCE} is copied to a
 * temporary file, loaded, and the file deleted at once (the mapping stays valid on Linux), so a
 * killed JVM leaves nothing behind. Then {@link NativeLact#init} selects the device and loads
 * cuBLAS. Every failure on the way (no library in the jar, a file that does not exist or does not
 * load, no device, a driver too old, no cuBLAS) is kept as one sentence and nothing is thrown: the
 * backend reports it as its unavailability reason. A library can be linked into a JVM only once;
 * asking for a second, different file afterwards is such a failure too.
 */
final class NativeLibrary {
  /** System property: explicit path of {@code liblactcuda.so}. */
  static final String LIBRARY_PROPERTY = "lact.cuda.library";
  /** System property: CUDA device ordinal (default 0). */
  static final String DEVICE_PROPERTY = "lact.cuda.device";
  /** Where the jar carries the library (the kernel-cuda pom puts it there). */
  static final String RESOURCE = "/native/linux-x86_64/liblactcuda.so";

  private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);

  /** The file linked into this JVM, or null before the first successful load; guarded by the class. */
  private static Path linked;
  /** Whether {@link #linked} was given explicitly (else: extracted from the jar). */
  private static boolean linkedExplicitly;

  private final String source;
  private final int device;
  private final String deviceLine;
  private final String failure;

  private NativeLibrary(String source, int device, String deviceLine, String failure) {
    this.source = source;
    this.device = device;
    this.deviceLine = deviceLine;
    this.failure = failure;
  }

  /** The process-wide library, loaded and started on first call from the system properties. */
  static NativeLibrary get() {
    return Global.INSTANCE;
  }

  /** Lazy holder: the library is loaded when first asked for, not when the backend is constructed. */
  private static final class Global {
    static final NativeLibrary INSTANCE =
        fromProperties(System.getProperty(LIBRARY_PROPERTY), System.getProperty(DEVICE_PROPERTY));
  }

  /**
   * The library as the two system properties' values would set it up ({@code null}: not set).
   * Package-private so tests can try a configuration without touching the global properties.
   */
  static NativeLibrary fromProperties(String library, String device) {
    int ordinal = 0;
    if (device != null) {
      try {
        ordinal = Integer.parseInt(device.trim());
      } catch (NumberFormatException e) {
        ordinal = -1;
      }
      if (ordinal < 0) {
        return failed(describe(library), 0,
            DEVICE_PROPERTY + " = '" + device + "': must be a CUDA device ordinal >= 0");
      }
    }
    if (library == null) {
      return load(null, ordinal);
    }
    try {
      return load(Path.of(library.trim()), ordinal);
    } catch (InvalidPathException e) {
      return failed(library, ordinal, LIBRARY_PROPERTY + " = '" + library + "': not a valid path (" + e.getMessage() + ")");
    }
  }

  /**
   * Links the library (from {@code explicit}, or from the jar if null) unless it already is, then
   * starts it on CUDA device {@code device}.
   */
  static NativeLibrary load(Path explicit, int device) {
    String source = describe(explicit == null ? null : explicit.toString());
    String failure = explicit == null ? linkFromJar() : linkFile(explicit);
    if (failure != null) {
      LOG.debug("liblactcuda not usable: {}", failure);
      return failed(source, device, failure);
    }
    try {
      String line = NativeLact.init(device);
      LOG.debug("liblactcuda from {} started on CUDA device {}: {}", linkedFile(), device, line);
      return new NativeLibrary(source, device, line, null);
    } catch (CudaException e) {
      return failed(source, device, "CUDA device " + device + " cannot be used: " + e.getMessage());
    } catch (UnsatisfiedLinkError e) {
      return failed(source, device, "the liblactcuda.so loaded from " + linkedFile()
          + " does not match this kernel-cuda jar (missing JNI function: " + e.getMessage() + ")");
    } catch (RuntimeException e) {
      return failed(source, device, "starting CUDA device " + device + " failed: " + e);
    }
  }

  private static NativeLibrary failed(String source, int device, String failure) {
    return new NativeLibrary(source, device, null, failure);
  }

  private static String describe(String library) {
    return library == null ? "the kernel-cuda jar" : library;
  }

  private static synchronized Path linkedFile() {
    return linked;
  }

  /** Links {@code file}; null on success, else the reason. */
  private static synchronized String linkFile(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(abs)) {
      return LIBRARY_PROPERTY + " = " + file + ": no such file" + (Files.exists(abs) ? " (not a regular file)" : "");
    }
    if (linked != null) {
      return linkedExplicitly && linked.equals(abs) ? null
          : "liblactcuda is already loaded in this JVM from " + linked + "; cannot load " + abs + " as well";
    }
    try {
      System.load(abs.toString());
    } catch (UnsatisfiedLinkError e) {
      return "cannot load " + abs + " (" + LIBRARY_PROPERTY + "): " + e.getMessage();
    }
    linked = abs;
    linkedExplicitly = true;
    return null;
  }

  /** Extracts the jar's library to a temporary file and links it; null on success, else the reason. */
  private static synchronized String linkFromJar() {
    if (linked != null) {
      return linkedExplicitly
          ? "liblactcuda is already loaded in this JVM from " + linked + "; cannot load the kernel-cuda jar's as well"
          : null;
    }
    String os = System.getProperty("os.name", "?");
    String arch = System.getProperty("os.arch", "?");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "the kernel-cuda jar carries liblactcuda.so for linux-x86_64 only, this JVM runs on " + os + "/"
          + arch + "; set " + LIBRARY_PROPERTY + " to a library built for it";
    }
    try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "liblactcuda.so is not in the kernel-cuda jar (" + jarLocation() + "): the build machine had no"
            + " nvcc (or it was built with -Dlact.cuda.skip=true); rebuild kernel-cuda where nvcc is on the PATH,"
            + " or set " + LIBRARY_PROPERTY + " to a liblactcuda.so";
      }
      Path tmp = Files.createTempFile("liblactcuda-", ".so");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toString());
        linked = tmp;
        linkedExplicitly = false;
        return null;
      } catch (UnsatisfiedLinkError e) {
        return "cannot load the kernel-cuda jar's liblactcuda.so (extracted to " + tmp + "): " + e.getMessage()
            + " (if java.io.tmpdir is mounted noexec, set " + LIBRARY_PROPERTY + " or -Djava.io.tmpdir)";
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      return "cannot extract liblactcuda.so from the kernel-cuda jar to " + System.getProperty("java.io.tmpdir")
          + ": " + e;
    }
  }

  private static String jarLocation() {
    try {
      return String.valueOf(NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation());
    } catch (RuntimeException e) {
      return "location unknown";
    }
  }

  /** Whether the library is linked and its device started. */
  boolean available() {
    return failure == null;
  }

  /** Why the library cannot be used, or empty if it can. */
  Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * {@link NativeLact#init}'s line: device name, compute capability, memory, CUDA runtime and
   * driver, cuBLAS.
   *
   * @throws IllegalStateException if the library is not usable (naming why)
   */
  String deviceLine() {
    if (failure != null) {
      throw new IllegalStateException("liblactcuda is not usable: " + failure);
    }
    return deviceLine;
  }

  /** The CUDA device ordinal asked for. */
  int device() {
    return device;
  }

  @Override
  public String toString() {
    return "liblactcuda from " + source + (failure == null ? " on device " + device + ": " + deviceLine
        : " (unusable: " + failure + ")");
  }
}
