/**
 * The seed SDK's `Constant`, with the same names. Each error name's value is **this package's**
 * code for the same condition, so a seed user's `err.code === Constant.MISSING_SECRET_ERROR` keeps
 * working and every error has one code. The non-error names keep the seed's values.
 */
export const Constant = Object.freeze({
  /** The seed's value, kept as is. The headers this package returns start with "Bearer ". */
  AUTHORIZATION_BEARER: 'BEARER',
  /** Where the certificate flow reads the certificate, relative to the working directory. */
  CERTIFICATE_PATH: '/imf_certificate/public-certificate.pem',
  /** Where the certificate flow reads the private key, relative to the working directory. */
  PRIVATE_KEY_PATH: '/imf_certificate/private-key.pem',
  MISSING_IMFSERVICEURL_ERROR: 'ERR_MCA_MISSING_IMF_SERVICE_URL',
  MISSING_CLOUDCONTROLLERURL_ERROR: 'ERR_MCA_MISSING_CLOUD_CONTROLLER_URL',
  MISSING_PEM_ERROR: 'ERR_MCA_MISSING_PEM',
  MISSING_SECRET_ERROR: 'ERR_MCA_MISSING_SECRET',
  MISSING_CLIENTID_ERROR: 'ERR_MCA_MISSING_CLIENT_ID',
  MISSING_SERVER_URL_ERROR: 'ERR_MCA_MISSING_SERVER_URL',
  MISSING_APPID_ERROR: 'ERR_MCA_MISSING_TENANT_ID',
  /** The seed defines it but never raises it; a rejected UAA credential is a permission error here. */
  UAA_LOGIN_ERROR: 'ERR_MCA_NO_PERMISSION',
  HAS_NOPERMISSION_ERROR: 'ERR_MCA_NO_PERMISSION',
  /**
   * A token request that failed (network, timeout, non-200). A token endpoint that rejects the
   * credentials (401, 403, `invalid_client`) is `ERR_MCA_INVALID_CLIENT` instead, which the seed
   * did not tell apart.
   */
  TOKEN_GENERATE_ERROR: 'ERR_MCA_TOKEN_REQUEST_FAILED',
});
