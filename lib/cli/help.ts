// What `--help` prints (and, on stderr, a call with no command): the commands, every flag with the
// variable it falls back to, and the exit statuses.
export const HELP = `Usage: express-mca-oauth <command> [options]

Commands:
  token    Print the Authorization header value. Keep it out of argv (the process list) with a header
           on stdin: npx express-mca-oauth token | sed 's/^/Authorization: /' | curl -H @- <url>
  check    Show where each setting came from, the token URL, the result of one real token request,
           and, with MCA_REDIS_* set, a write and a read through the Redis store

Options (each falls back to its environment variable, then .env, then VCAP_SERVICES):
  --client-id <id>            MCA_CLIENT_ID
  --secret <secret>           MCA_SECRET (prefer the variable: flags show in the process list)
  --tenant-id <id>            MCA_TENANT_ID or MCA_APP_ID
  --server-url <url>          MCA_SERVER_URL (Mobile Client Access)
  --oauth-server-url <url>    MCA_OAUTH_SERVER_URL (App ID)
  --token-url <url>           MCA_TOKEN_URL (any OAuth 2.0 server)
  --scope <scope>             MCA_SCOPE
  --audience <audience>       MCA_AUDIENCE
  --resource <uri>            MCA_RESOURCE (RFC 8707)
  --client-auth basic|post|private_key_jwt
                              MCA_CLIENT_AUTH (default basic; private_key_jwt with a key and no secret)
  --private-key-file <path>   MCA_PRIVATE_KEY_FILE (PEM or JWK; or MCA_PRIVATE_KEY holding it)
  --certificate-file <path>   MCA_CERTIFICATE_FILE (PEM chain; or MCA_CERTIFICATE holding it)
  --key-id <kid>              MCA_KEY_ID
  --signing-algorithm <alg>   MCA_SIGNING_ALGORITHM (RS256, PS256 or ES256; default from the key)
  --assertion-audience <aud>  MCA_ASSERTION_AUDIENCE (default the token URL)
  --apikey <key>              MCA_APIKEY: IBM Cloud IAM API key (prefer the variable: flags show in the process list)
  --iam-url <url>             MCA_IAM_URL (default https://iam.cloud.ibm.com)
  --iam-profile-id <id>       MCA_IAM_PROFILE_ID (trusted profile; or --iam-profile-name, --iam-profile-crn)
  --iam-profile-name <name>   MCA_IAM_PROFILE_NAME
  --iam-profile-crn <crn>     MCA_IAM_PROFILE_CRN
  --cr-token-file <path>      MCA_CR_TOKEN_FILE (default: the platform's compute-resource token file)
  --client-assertion-file <path>
                              MCA_CLIENT_ASSERTION_FILE (a rotating JWT, e.g. a projected service-account token)
  --service-name <name>       MCA_SERVICE_NAME (which bound service to use)
  --env-file <path>           read this file instead of ./.env
  --no-env-file               read no .env file
  --timeout-ms <ms>           timeout of the token request (default 10000)
  --backend <name>            the token of this named protectedBackends entry (its audience, scope, client …)
  --backends-file <path>      MCA_PROTECTED_BACKENDS_FILE (the JSON list of entries that --backend names)
  -h, --help                  show this help
  -v, --version               print the version

Exit status: 0 on success, 1 on a configuration or token error (its code is printed), 2 on bad usage.`;
