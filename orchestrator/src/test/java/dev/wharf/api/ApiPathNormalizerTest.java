package dev.wharf.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ApiPathNormalizerTest {
    @Test
    void dropsPrefixesBeforeTheVersionAndTrailingSlashes() {
        assertEquals("/v1/environments", ApiPathNormalizer.normalize("/v1/environments/"));
        assertEquals("/v1beta/environments/env_1", ApiPathNormalizer.normalize("/gateway/wharf/v1beta/environments/env_1"));
        assertEquals("/upload/v1/environments/e/files/a.txt",
                ApiPathNormalizer.normalize("/proxy/upload/v1/environments/e/files/a.txt"));
    }

    @Test
    void leavesOtherPathsAlone() {
        assertEquals("/q/health/ready", ApiPathNormalizer.normalize("/q/health/ready"));
        assertEquals("/v1/environments", ApiPathNormalizer.normalize("/v1/environments"));
        assertEquals("/v2/things", ApiPathNormalizer.normalize("/v2/things"));
    }
}
