/** The `X-Amz-Target` actions the issuer serves (AWSCognitoIdentityProviderService.<name>). */
import * as admin from './admin.ts';
import * as auth from './auth-flows.ts';
import type { Operation } from './context.ts';
import * as users from './users.ts';

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  InitiateAuth: auth.initiateAuth,
  RespondToAuthChallenge: auth.respondToAuthChallenge,
  GetTokensFromRefreshToken: auth.getTokensFromRefreshToken,
  AdminInitiateAuth: auth.adminInitiateAuth,
  SignUp: users.signUp,
  ConfirmSignUp: users.confirmSignUp,
  ResendConfirmationCode: users.resendConfirmationCode,
  ForgotPassword: users.forgotPassword,
  ConfirmForgotPassword: users.confirmForgotPassword,
  GetUser: users.getUser,
  ChangePassword: users.changePassword,
  UpdateUserAttributes: users.updateUserAttributes,
  GlobalSignOut: users.globalSignOut,
  RevokeToken: users.revokeToken,
  CreateUserPool: admin.createUserPool,
  DescribeUserPool: admin.describeUserPool,
  CreateUserPoolClient: admin.createUserPoolClient,
  DescribeUserPoolClient: admin.describeUserPoolClient,
  UpdateUserPoolClient: admin.updateUserPoolClient,
  AdminCreateUser: admin.adminCreateUser,
  AdminGetUser: admin.adminGetUser,
  AdminSetUserPassword: admin.adminSetUserPassword,
  AdminConfirmSignUp: admin.adminConfirmSignUp,
  AdminDeleteUser: admin.adminDeleteUser,
  AdminDisableUser: admin.adminDisableUser,
  AdminEnableUser: admin.adminEnableUser,
  AdminUserGlobalSignOut: admin.adminUserGlobalSignOut,
  ListUsers: admin.listUsers,
  CreateGroup: admin.createGroup,
  ListGroups: admin.listGroups,
  AdminAddUserToGroup: admin.adminAddUserToGroup,
  AdminRemoveUserFromGroup: admin.adminRemoveUserFromGroup,
  AdminListGroupsForUser: admin.adminListGroupsForUser,
};
