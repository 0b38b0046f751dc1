import { agentHubSuite } from "./agent-hub.suite.js";

agentHubSuite("embedded");
