package org.lactspark.data.hadoop;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.ShardSource;

/** A dataset directory on any Hadoop filesystem (file:, hdfs:, s3a:), for {@code DatasetReader}. */
public final class HadoopShardSource implements ShardSource {
  private final Path dir;
  private final FileSystem fs;

  /** The dataset at {@code uri}. */
  public HadoopShardSource(String uri, Configuration conf) throws IOException {
    this.dir = new Path(uri);
    this.fs = dir.getFileSystem(conf);
  }

  @Override
  public InputStream open(String name) throws IOException {
    try {
      return fs.open(new Path(dir, name));
    } catch (FileNotFoundException e) {
      throw new IOException(dir + ": no " + name + (name.equals(Manifest.FILE)
          ? " (not a dataset, or one whose preparation did not finish)" : ""), e);
    }
  }

  @Override
  public String describe() {
    return dir.toString();
  }
}
