import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccountRecovery, FeaturePlan, Mfa, StandardThreatProtectionMode, UserPool, UserPoolEmail, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/** Cognito sends its mail (verification codes, password resets) through SES with these deploy-time settings. */
export interface SesSettings {
  /** A verified SES identity's address, e.g. no-reply@example.com. */
  fromEmail: string;
  fromName?: string;
  replyTo?: string;
  /** The verified domain when `fromEmail` is an address of it. */
  sesVerifiedDomain?: string;
  /** Region of the SES identity (default: the stack's; Cognito supports a few SES regions). */
  sesRegion?: string;
  configurationSetName?: string;
}

export interface UsersProps {
  /** SES sending (context `sesFromEmail`, ...); without it Cognito's own sender allows about 50 e-mails a day. */
  ses?: SesSettings;
  /** Make every user enrol a TOTP second factor (default: optional). */
  requireMfa?: boolean;
  /** Cognito threat protection; needs the Plus feature plan, which is billed per user. */
  threatProtection?: boolean;
}

/**
 * The Cognito user pool clients sign in to (e-mail addresses as usernames), mail sent through SES
 * when configured, an e-mail change taking effect only once the new address is verified
 * (`keepOriginal`), and two app clients without OAuth: the browser's (SRP only, the password never
 * leaves it) and the scripts' (USER_PASSWORD for tools that cannot do SRP).
 */
export class Users extends Construct {
  readonly userPool: UserPool;
  /** The browser / Amplify client: SRP only. */
  readonly client: UserPoolClient;
  /** For scripts and tests that sign in with USER_PASSWORD_AUTH. */
  readonly scriptsClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: UsersProps = {}) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      signInAliases: { email: true },
      autoVerify: { email: true },
      selfSignUpEnabled: true,
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: props.requireMfa ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Until a new address is verified the old one stays in use (and signs in).
      keepOriginal: { email: true },
      email: props.ses
        ? UserPoolEmail.withSES({
            fromEmail: props.ses.fromEmail,
            fromName: props.ses.fromName,
            replyTo: props.ses.replyTo,
            sesVerifiedDomain: props.ses.sesVerifiedDomain,
            sesRegion: props.ses.sesRegion,
            configurationSetName: props.ses.configurationSetName,
          })
        : undefined,
      featurePlan: props.threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: props.threatProtection ? StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const common = {
      generateSecret: false,
      // No hosted UI: no OAuth flows, scopes or callback URLs (CDK's defaults would enable code and implicit grants).
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    };
    this.client = this.userPool.addClient('AppClient', { ...common, authFlows: { userSrp: true } });
    this.scriptsClient = this.userPool.addClient('ScriptsClient', { ...common, authFlows: { userPassword: true } });
    if (!props.ses) {
      Annotations.of(this).addWarning(
        'Cognito sends mail with its own sender (about 50 e-mails a day): set -c sesFromEmail=<verified SES address> for real sign-ups (infra/aws/README.md "Cognito e-mail").',
      );
    }
    if (!props.requireMfa) {
      acknowledge(this.userPool, 'COG2', 'MFA is optional (TOTP) so that scripted clients and first sign-ins work; set requireMfa for deployments that must enforce it.');
    }
    if (!props.threatProtection) {
      acknowledge(this.userPool, 'COG8', 'Threat protection needs the Cognito Plus plan, billed per active user; it is a per-deployment choice (threatProtection).');
    }
  }
}
