/** Entry point for the CDK CLI (cdk.json): build the app, then write the cloud assembly. */
import { createApp } from './create-app.ts';

const { app } = await createApp();
app.synth();
