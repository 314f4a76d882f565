using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace MoT.Training.Configuration;

/// <summary>The user documentation of every config setting and input limit, generated from the schema (a test keeps the README equal to it).</summary>
public static class ConfigReference
{
    public const string StartMarker = "<!-- config-reference:start (generated from RunConfigSchema; a test keeps it in sync) -->";
    public const string EndMarker = "<!-- config-reference:end -->";

    public static string Markdown(RunConfigSchema schema)
    {
        var text = new StringBuilder();
        text.AppendLine("Run config settings (what sweeps search and the dashboard writes; `mot train --config` takes the same file, or the trainer's own document with the names in the second column). Any other path is an error with a \"did you mean\".");
        text.AppendLine();
        text.AppendLine("| Run-config path | `mot train` document | Type and allowed values | Meaning |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var setting in schema.Settings.Where(s => s.RunPath is not null))
            text.AppendLine($"| `{setting.RunPath}` | {Code(setting.DocumentPath)} | {Escape(setting.Constraint)} | {Escape(setting.Description)} |");
        text.AppendLine();
        text.AppendLine("Trainer-document only (`mot train --config`; a `model` section overrides single fields of the preset):");
        text.AppendLine();
        text.AppendLine("| Document path | Type and allowed values | Meaning |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var setting in schema.Settings.Where(s => s.RunPath is null))
            text.AppendLine($"| `{setting.DocumentPath}` | {Escape(setting.Constraint)} | {Escape(setting.Description)} |");
        text.AppendLine();
        text.AppendLine($"Input limits (configuration section `{InputLimits.Section}`, e.g. `{InputLimits.Section}:MaxRuns=20000`; an error caused by a limit names it):");
        text.AppendLine();
        text.AppendLine("| Limit | Default | Meaning |");
        text.AppendLine("| --- | --- | --- |");
        var defaults = new InputLimits();
        foreach (var property in typeof(InputLimits).GetProperties().Where(p => p.CanWrite))
        {
            var value = Convert.ToDouble(property.GetValue(defaults), CultureInfo.InvariantCulture);
            var meaning = property.GetCustomAttributes(typeof(DescriptionAttribute), false).OfType<DescriptionAttribute>().Single().Description;
            text.AppendLine($"| `{property.Name}` | {ConfigSetting.Format(value)} | {Escape(meaning)} |");
        }
        return text.ToString();
    }

    private static string Code(string? path) => path is null ? "–" : $"`{path}`";

    private static string Escape(string text) => text.Replace("|", "\\|");
}
