// The few UnityEngine types docs/engines.md's client uses, with Unity's signatures and no
// behaviour, so that Mono's mcs can type-check the snippet without Unity installed.
using System;
using System.Collections;

namespace UnityEngine {
    public class MonoBehaviour { }
    public class YieldInstruction { }
    public sealed class WaitForSeconds : YieldInstruction { public WaitForSeconds(float seconds) { } }
    public static class Mathf { public static float Pow(float f, float p) { return (float)Math.Pow(f, p); } }
    public static class JsonUtility { public static T FromJson<T>(string json) { return default(T); } }
}

namespace UnityEngine.Networking {
    public class AsyncOperation : YieldInstruction { }
    public class UnityWebRequestAsyncOperation : AsyncOperation { }
    public class UploadHandler : IDisposable { public void Dispose() { } }
    public sealed class UploadHandlerRaw : UploadHandler { public UploadHandlerRaw(byte[] data) { } }
    public class DownloadHandler : IDisposable { public string text { get { return null; } } public void Dispose() { } }
    public sealed class DownloadHandlerBuffer : DownloadHandler { }
    public class UnityWebRequest : IDisposable {
        public UnityWebRequest(string url, string method) { }
        public static UnityWebRequest Get(string uri) { return new UnityWebRequest(uri, "GET"); }
        public static string EscapeURL(string s) { return s; }
        public UploadHandler uploadHandler { get; set; }
        public DownloadHandler downloadHandler { get; set; }
        public long responseCode { get { return 0; } }
        public int timeout { get; set; }
        public string error { get { return null; } }
        public void SetRequestHeader(string name, string value) { }
        public UnityWebRequestAsyncOperation SendWebRequest() { return new UnityWebRequestAsyncOperation(); }
        public void Dispose() { }
    }
}
