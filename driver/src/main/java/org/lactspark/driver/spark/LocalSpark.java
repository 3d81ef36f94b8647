package org.lactspark.driver.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of a {@code bin/lact} job. Under {@code spark-submit} the master and settings
 * come from there; started from {@code bin/lact}, the job runs in-process on {@code --master}
 * (default {@code local[*]}) with the loopback address (these machines resolve their host name to
 * an address Spark cannot bind: stack-notes.md) and without the web UI.
 */
public final class LocalSpark {
  private LocalSpark() {}

  /** A context named {@code app}; {@code master} applies when Spark was not given one already. */
  public static JavaSparkContext start(String app, String master) {
    SparkConf conf = new SparkConf().setAppName(app);
    if (!conf.contains("spark.master")) {
      conf.setMaster(master);
    }
    // compact encodings of the prepare job's shuffled records (PrepareKryo); the other jobs gain too
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", "org.lactspark.data.prepare.PrepareKryo");
    // the train job collects the summed parameter-sized vectors (N floats: 3.2 GB for the 760m
    // preset); Spark's default cap on collected results is 1 GB
    conf.setIfMissing("spark.driver.maxResultSize", "0");
    if (conf.get("spark.master").startsWith("local")) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    }
    return new JavaSparkContext(conf);
  }
}
