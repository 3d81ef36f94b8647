package org.lactspark.data.tokenize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes DJL's tokenizers library load its native code offline, from a private cache directory,
 * before the first DJL tokenizer is created.
 *
 * <p>Why: DJL reads its settings from environment variables or system properties of the same name
 * ({@code ai.djl.util.Utils.getEnvOrSystemProperty}, checked in the 0.38.0 bytecode). Without
 * {@code ai.djl.offline=true}, on a host with CUDA it picks a CUDA flavour of the native library,
 * which is not in the jar, and downloads it; it also asks the EC2 metadata service for telemetry.
 * Executors must never reach the network, so offline is the default here; offline, DJL takes the
 * CPU library that the jar bundles. DJL copies that library into {@code DJL_CACHE_DIR} (default
 * {@code ~/.djl.ai}), and executors' home directories are often missing, shared or read-only, so
 * the default here is a directory under {@code java.io.tmpdir} named after the user. DJL loads a
 * library it finds there without checking it, so the directory must be the user's own and not
 * writable by others (a shared {@code /tmp} lets anyone create a name first); if it is not, a fresh
 * private temporary directory is used instead. Whatever the user set (environment or system
 * property) is left alone.
 */
final class DjlTokenizerSetup {
  /** DJL's offline switch as a system property (the environment variable is {@code DJL_OFFLINE}). */
  static final String OFFLINE = "ai.djl.offline";
  /** DJL's cache directory, read from the environment or a system property of this name. */
  static final String CACHE_DIR = "DJL_CACHE_DIR";

  private static final Logger LOG = LoggerFactory.getLogger(DjlTokenizerSetup.class);
  private static final Set<PosixFilePermission> OTHERS_WRITE =
      EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
  private static boolean prepared;

  private DjlTokenizerSetup() {}

  /** Sets the missing DJL system properties, once per JVM; call before any DJL tokenizer class is used. */
  static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    Map<String, String> set = missing(System::getenv, System::getProperty, DjlTokenizerSetup::defaultCacheDir);
    for (Map.Entry<String, String> e : set.entrySet()) {
      System.setProperty(e.getKey(), e.getValue());
      LOG.debug("DJL setting {}={}", e.getKey(), e.getValue());
    }
  }

  /**
   * The system properties to set, given the environment and the current properties: offline unless
   * either says otherwise, and a cache directory unless either names one (DJL also takes
   * {@code ENGINE_CACHE_DIR} for native libraries).
   */
  static Map<String, String> missing(UnaryOperator<String> env, UnaryOperator<String> props, Supplier<Path> cacheDir) {
    Map<String, String> set = new LinkedHashMap<>();
    if (env.apply("DJL_OFFLINE") == null && props.apply(OFFLINE) == null && props.apply("offline") == null) {
      set.put(OFFLINE, "true");
    }
    if (unset(CACHE_DIR, env, props) && unset("ENGINE_CACHE_DIR", env, props)) {
      Path dir = cacheDir.get();
      if (dir != null) {
        set.put(CACHE_DIR, dir.toString());
      }
    }
    return set;
  }

  private static boolean unset(String name, UnaryOperator<String> env, UnaryOperator<String> props) {
    return env.apply(name) == null && props.apply(name) == null;
  }

  private static Path defaultCacheDir() {
    return privateDir(Paths.get(System.getProperty("java.io.tmpdir")), System.getProperty("user.name", "user"));
  }

  /**
   * {@code lact-spark-djl-USER} under {@code tmp}, created owner-only if missing, when it is a real
   * directory owned by {@code user} that no one else may write; else a new private temporary
   * directory; null (DJL's own default) when neither can be made.
   */
  static Path privateDir(Path tmp, String user) {
    Path dir = tmp.resolve("lact-spark-djl-" + user.replaceAll("[^A-Za-z0-9._-]", "_"));
    try {
      createOwnerOnly(dir);
      if (isPrivate(dir, user)) {
        return dir;
      }
      LOG.debug("{} is not private to {}; using a fresh temporary directory for DJL", dir, user);
      return Files.createTempDirectory(tmp, "lact-spark-djl-");
    } catch (IOException | RuntimeException e) {
      LOG.debug("no private DJL cache directory under {}; DJL's default applies", tmp, e);
      return null;
    }
  }

  private static void createOwnerOnly(Path dir) throws IOException {
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createDirectories(dir);
    }
  }

  private static boolean isPrivate(Path dir, String user) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return true; // not POSIX (Windows): the temporary directory is already the user's own
    }
    PosixFileAttributes attributes = view.readAttributes();
    return attributes.owner().getName().equals(user) && Collections.disjoint(attributes.permissions(), OTHERS_WRITE);
  }
}
