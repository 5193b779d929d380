package dev.wharf.credential;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * At start, tries the secrets key on a stored credential and logs an error when it does not open it. The control
 * plane still starts (everything but credentials works), and every use of a credential keeps failing loudly until
 * the right key is configured. The check runs beside the start, not in it: a slow or busy database must not delay
 * or fail the start for the sake of a diagnosis.
 */
@ApplicationScoped
public class SecretsKeyCheck {
    private static final Logger LOG = Logger.getLogger(SecretsKeyCheck.class);

    private final CredentialService credentials;

    public SecretsKeyCheck(CredentialService credentials) {
        this.credentials = credentials;
    }

    void onStart(@Observes StartupEvent start, Vertx vertx) {
        vertx.runOnContext(ignored -> credentials.keyProblem().subscribe().with(
                problem -> problem.ifPresent(found -> LOG.errorf("%s. Stored credentials cannot be used until this"
                        + " control plane is given the key they were sealed with (wharf.secrets.key, WHARF_SECRETS_KEY,"
                        + " or the file wharf.secrets.key-file).", found)),
                failure -> LOG.warnf("could not check the secrets key against the stored credentials: %s",
                        failure.getMessage())));
    }
}
