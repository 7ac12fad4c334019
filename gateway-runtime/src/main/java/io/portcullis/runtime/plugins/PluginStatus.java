package io.portcullis.runtime.plugins;

import java.util.List;

/**
 * What became of one file in the plugins folder.
 *
 * @param file      the file name
 * @param id        the plugin's id, or {@code null} when its descriptor could not be read
 * @param version   the plugin's version, or {@code null}
 * @param state     {@code STARTED}, {@code FAILED}, {@code DISABLED} (incompatible) or {@code UNLOADABLE}
 * @param problem   why it is not started, or {@code null}
 * @param policies  the policy names it contributes
 * @param providers the provider types it contributes
 */
public record PluginStatus(String file, String id, String version, String state, String problem,
                           List<String> policies, List<String> providers) {
}
