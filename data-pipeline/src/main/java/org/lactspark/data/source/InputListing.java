package org.lactspark.data.source;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Expands the configured inputs (files, directories, globs on any Hadoop filesystem) into the
 * job's ordered file list: inputs in the order given, the files of each sorted by path, each file
 * once. Directories are read recursively, leaving out hidden files ({@code .name}) and Hadoop's
 * markers ({@code _SUCCESS}, {@code _temporary}). An input that matches nothing is an error.
 */
public final class InputListing {
  private InputListing() {}

  /**
   * Lists the files.
   *
   * @param inputFormat the configured format ({@code auto} resolves per file)
   * @throws FileNotFoundException naming the input that matches no file
   */
  public static List<InputFile> list(List<String> inputs, String inputFormat, Configuration conf) throws IOException {
    Set<String> seen = new LinkedHashSet<>();
    List<InputFile> files = new ArrayList<>();
    for (String input : inputs) {
      List<FileStatus> matched = expand(new Path(input), conf);
      if (matched.isEmpty()) {
        throw new FileNotFoundException("inputs: '" + input + "' matches no file");
      }
      for (FileStatus s : matched) {
        String uri = s.getPath().toString();
        if (seen.add(uri)) {
          files.add(new InputFile(files.size(), uri, s.getLen(),
              InputFormat.resolve(inputFormat, s.getPath().getName())));
        }
      }
    }
    return files;
  }

  private static List<FileStatus> expand(Path pattern, Configuration conf) throws IOException {
    FileSystem fs = pattern.getFileSystem(conf);
    FileStatus[] globbed = fs.globStatus(pattern);
    List<FileStatus> out = new ArrayList<>();
    if (globbed == null) {
      return out;
    }
    Arrays.sort(globbed, Comparator.comparing(s -> s.getPath().toString()));
    for (FileStatus s : globbed) {
      if (s.isDirectory()) {
        out.addAll(filesUnder(fs, s.getPath()));
      } else if (!hidden(s.getPath())) {
        out.add(s);
      }
    }
    return out;
  }

  private static List<FileStatus> filesUnder(FileSystem fs, Path dir) throws IOException {
    List<FileStatus> out = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      LocatedFileStatus s = it.next();
      if (!hiddenBelow(dir, s.getPath())) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing(s -> s.getPath().toString()));
    return out;
  }

  private static boolean hidden(Path p) {
    String n = p.getName();
    return n.startsWith(".") || n.startsWith("_");
  }

  private static boolean hiddenBelow(Path root, Path p) {
    for (Path q = p; q != null && !q.equals(root) && q.getParent() != null; q = q.getParent()) {
      if (hidden(q)) {
        return true;
      }
    }
    return false;
  }
}
