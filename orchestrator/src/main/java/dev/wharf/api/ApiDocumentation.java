package dev.wharf.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;

/**
 * How the OpenAPI document describes authentication: a tenant's API key for the public API (header, Bearer or
 * {@code ?key=}; the header form is declared), the admin key for {@code /admin/v1}. {@link dev.wharf.tenant.Authenticator} enforces
 * both, including on the streaming routes the document cannot list.
 */
@OpenAPIDefinition(
        info = @Info(title = "Wharf API", version = "1"),
        security = @SecurityRequirement(name = "ApiKey"))
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = "ApiKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "x-goog-api-key",
                description = "A tenant's API key; also accepted as Authorization: Bearer <key> or ?key=<key>"),
        @SecurityScheme(securitySchemeName = "AdminKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "x-goog-api-key",
                description = "The admin key (WHARF_ADMIN_KEY); also accepted as a Bearer token")
})
public class ApiDocumentation extends Application {
}
