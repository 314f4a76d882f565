using System.Text.Json;

namespace MoT.Cli.Api;

/// <summary>Where the platform's HTTP API is and the token to send; null members: not configured.</summary>
internal sealed record ApiSettings(string? Url, string? Token)
{
    public const string UrlVariable = "MOT_API_URL", TokenVariable = "MOT_API_TOKEN";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>
    /// The environment (MOT_API_URL / MOT_API_TOKEN, for scripts) over the file <c>mot login</c> writes
    /// (<c>$XDG_CONFIG_HOME/mot/config.json</c>, else <c>~/.config/mot/config.json</c>).
    /// </summary>
    public static ApiSettings Load()
    {
        var stored = ReadFile();
        return new ApiSettings(
            NonEmpty(Environment.GetEnvironmentVariable(UrlVariable)) ?? stored?.Url,
            NonEmpty(Environment.GetEnvironmentVariable(TokenVariable)) ?? stored?.Token);
    }

    public static string FilePath
    {
        get
        {
            var root = NonEmpty(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"))
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(root, "mot", "config.json");
        }
    }

    /// <summary>Writes URL and token readable by the user only (the token acts as them).</summary>
    public static void Save(ApiSettings settings)
    {
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var json = JsonSerializer.Serialize(new StoredSettings { Url = settings.Url, Token = settings.Token }, new JsonSerializerOptions { WriteIndented = true });
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(json);
        }

        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Forgets the stored token; true when there was one.</summary>
    public static bool Delete()
    {
        if (!File.Exists(FilePath)) return false;
        File.Delete(FilePath);
        return true;
    }

    private static StoredSettings? ReadFile()
    {
        var path = FilePath;
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<StoredSettings>(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({error.Message.Split('.')[0]}); run mot login again");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed class StoredSettings
    {
        public string? Url { get; set; }
        public string? Token { get; set; }
    }
}
