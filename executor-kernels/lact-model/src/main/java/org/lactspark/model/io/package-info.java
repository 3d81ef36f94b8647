/** File-system helpers shared by the model's writers (official export, golden cases). */
package org.lactspark.model.io;
