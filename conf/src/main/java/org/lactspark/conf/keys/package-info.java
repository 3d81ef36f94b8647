/**
 * The single table of configuration keys: name, type, default, documentation and validation rule,
 * each defined once ({@link org.lactspark.conf.keys.ModelKeys}). Loaders, error messages and the
 * reference documentation all read it. JDK only.
 */
package org.lactspark.conf.keys;
