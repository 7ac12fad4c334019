package io.portcullis.runtime;

import io.portcullis.api.ApiVersion;
import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.plugins.PluginFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The operator's commands that do not start the gateway, run by {@code bin/portcullis}:
 * <pre>
 * portcullis plugins list           the plugins folder's JARs: id, version, the plugin-api they require, compatible?
 * portcullis config check [FILE]    validates a configuration (and its plugins' blocks) as a start would
 * </pre>
 * Exit status: 0 when all is well, 1 when {@code plugins list} finds a JAR the gateway would not load, 2 when the
 * configuration is invalid, 64 for a usage error.
 */
public final class OperatorCommands {

    static final int OK = 0;
    static final int PLUGIN_PROBLEM = 1;
    static final int INVALID_CONFIG = 2;
    static final int USAGE = 64;

    private static final String USAGE_TEXT = "usage: portcullis plugins list | portcullis config check [FILE]";

    private final Path home;
    private final Path defaultConfig;
    private final PrintStream out;
    private final PrintStream err;

    OperatorCommands(Path home, Path defaultConfig, PrintStream out, PrintStream err) {
        this.home = home;
        this.defaultConfig = defaultConfig;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("portcullis.home", ".")).toAbsolutePath().normalize();
        Path config = Path.of(System.getProperty("portcullis.conf", home.resolve("conf/gateway.yaml").toString()));
        System.exit(new OperatorCommands(home, config, System.out, System.err).run(List.of(args)));
    }

    int run(List<String> args) {
        if (args.equals(List.of("plugins", "list"))) {
            return pluginsList();
        }
        if (args.size() >= 2 && args.size() <= 3 && args.get(0).equals("config") && args.get(1).equals("check")) {
            return configCheck(args.size() == 3 ? Path.of(args.get(2)).toAbsolutePath() : defaultConfig);
        }
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private int pluginsList() {
        Path folder = pluginsFolder();
        out.println("Plugins in " + folder + " (this gateway's plugin-api is " + ApiVersion.current() + "):");
        List<Path> jars;
        try (Stream<Path> files = Files.list(folder)) {
            jars = files.filter(file -> file.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            err.println("The plugins folder " + folder + " cannot be read: " + e.getMessage());
            return PLUGIN_PROBLEM;
        }
        String format = "%-36s %-24s %-16s %-20s %s%n";
        out.printf(format, "FILE", "ID", "VERSION", "REQUIRES", "STATUS");
        int status = OK;
        for (Path jar : jars) {
            PluginFile plugin = PluginFile.describe(jar);
            String verdict = plugin.problem() == null ? "compatible"
                    : (plugin.compatible() ? "warning: " : "NOT LOADABLE: ") + plugin.problem();
            if (plugin.id() == null || !plugin.compatible()) {
                status = PLUGIN_PROBLEM;
            }
            out.printf(format, plugin.file(), dash(plugin.id()), dash(plugin.version()), dash(plugin.requires()),
                    verdict);
        }
        if (jars.isEmpty()) {
            out.println("(no plugin JARs)");
        }
        return status;
    }

    /** The configured folder when the configuration can be read, else the default one: a listing should not fail. */
    private Path pluginsFolder() {
        String dir = "plugins";
        try {
            dir = new ConfigLoader().load(defaultConfig).plugins().dir();
        } catch (ConfigException e) {
            err.println("(" + defaultConfig + " is not valid; listing the default plugins folder)");
        }
        return home.resolve(dir);
    }

    private int configCheck(Path file) {
        try {
            GatewayConfig config = new ConfigLoader().load(file);
            List<String> problems = Portcullis.check(config, home, file.toString());
            out.println(file + " is valid.");
            if (!problems.isEmpty()) {
                out.println("The gateway would start, but report:");
                problems.forEach(problem -> out.println("  - " + problem));
            }
            return OK;
        } catch (ConfigException e) {
            err.println("The configuration is invalid.");
            err.println(e.getMessage());
            return INVALID_CONFIG;
        } catch (Exception e) {
            err.println("The configuration could not be checked: " + e.getMessage());
            return INVALID_CONFIG;
        }
    }

    private static String dash(String value) {
        return value == null ? "-" : value;
    }
}
