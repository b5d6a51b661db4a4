import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local bound to one host. Its command line has no host option and the Jetty server it
 * builds listens on every interface, so we build that server through DynamoDB Local's own classes (same
 * options, same handler, same telemetry switch), set the host on its connector, and only then start it.
 *
 * Usage: java -cp DynamoDBLocal.jar:<dir of this class> DynamoDbLoopback <host> <DynamoDB Local options...>
 * Exit 1 when the server did not start (e.g. port taken), 2 when DynamoDB Local's internals changed.
 */
public final class DynamoDbLoopback {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) fail(2, "usage: DynamoDbLoopback <host> <DynamoDB Local options...>");
    String host = args[0];
    String[] options = java.util.Arrays.copyOfRange(args, 1, args.length);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(options);
    Server server = jettyServer(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) fail(2, "DynamoDB Local's server has no connector to bind");
    for (Connector c : connectors) {
      if (!(c instanceof ServerConnector)) fail(2, "unexpected connector type " + c.getClass().getName());
      ((ServerConnector) c).setHost(host);
    }
    // start() prints "Could not start server on port ..." and stops the server when the bind fails.
    proxy.start();
    if (!server.isStarted()) fail(1, "DynamoDB Local did not start");
    for (Connector c : connectors) {
      ServerConnector sc = (ServerConnector) c;
      System.out.println("DynamoDbLoopback: listening on " + sc.getHost() + ":" + sc.getLocalPort());
    }
  }

  /** The Jetty server DynamoDBProxyServer keeps private; the names are checked so a new release fails loudly. */
  private static Server jettyServer(DynamoDBProxyServer proxy) throws IllegalAccessException {
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Object value = field.get(proxy);
      if (value instanceof Server) return (Server) value;
    } catch (NoSuchFieldException e) {
      // Fall through to the message below.
    }
    fail(2, "this DynamoDB Local release keeps no Jetty `server` field in DynamoDBProxyServer; update DynamoDbLoopback.java");
    return null;
  }

  private static void fail(int code, String message) {
    System.err.println("DynamoDbLoopback: " + message);
    System.exit(code);
  }
}
