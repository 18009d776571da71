// Starts `casus lsp` for .casus rule files and YAML/JSON case files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("casus").get("command");
  client = new LanguageClient(
    "casus",
    "casus",
    { command, args },
    {
      documentSelector: [
        { scheme: "file", language: "casus" },
        { scheme: "file", language: "yaml" },
        { scheme: "file", language: "json", pattern: "**/cases/**" },
      ],
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
