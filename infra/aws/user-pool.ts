import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export interface UsersProps {
  /** Make every user enrol a TOTP second factor (default: optional). */
  requireMfa?: boolean;
  /** Cognito threat protection; needs the Plus feature plan, which is billed per user. */
  threatProtection?: boolean;
}

/**
 * The Cognito user pool clients sign in to (e-mail addresses as usernames) and the app client
 * the Amplify library uses: SRP for interactive sign-in, USER_PASSWORD for scripts and the CLI.
 */
export class Users extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

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
      featurePlan: props.threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: props.threatProtection ? StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    if (!props.requireMfa) {
      acknowledge(
        this.userPool,
        'COG2',
        'MFA is optional (TOTP) so that scripted clients and first sign-ins work; set requireMfa for deployments that must enforce it.',
      );
    }
    if (!props.threatProtection) {
      acknowledge(
        this.userPool,
        'COG8',
        'Threat protection needs the Cognito Plus plan, billed per active user; it is a per-deployment choice (threatProtection).',
      );
    }
  }
}
