namespace MoT.Training.Native;

/// <summary>libtorch could not be found or loaded; the message says what to install or set.</summary>
public sealed class NativeTorchException(string message) : Exception(message);
