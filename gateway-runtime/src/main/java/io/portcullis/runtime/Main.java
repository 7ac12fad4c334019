package io.portcullis.runtime;

import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The gateway's command line: {@code portcullis [--config FILE]}. Prints {@code Portcullis ready on http://HOST:PORT}
 * once it takes traffic; exits with status 2 and the list of problems when the configuration is invalid.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path home = Path.of(System.getProperty("portcullis.home", ".")).toAbsolutePath().normalize();
        Path configFile = home.resolve("conf/gateway.yaml");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]).toAbsolutePath();
            } else {
                System.err.println("usage: portcullis [--config FILE]");
                System.exit(64);
            }
        }
        Portcullis gateway;
        GatewayConfig config;
        try {
            config = new ConfigLoader().load(configFile);
            gateway = Portcullis.start(config, home, configFile.toString());
        } catch (ConfigException e) {
            System.err.println("Portcullis cannot start: the configuration is invalid.");
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("Portcullis cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "portcullis-shutdown"));
        System.out.println("Portcullis ready on http://" + config.server().bind() + ":" + gateway.port());
        System.out.flush();
        stopped.await();
    }
}
